import { createRequire as __planwrightRequire } from "node:module"; const require = __planwrightRequire(import.meta.url);
import{c as a,d as b,e as c}from"./chunk-2DWPNLL4.js";import"./chunk-UGZUPUWF.js";import"./chunk-B4DRKDPH.js";import"./chunk-BXDE2WZ6.js";export{a as STREAM_ABOVE_MAX_TOKENS,c as createModelClient,b as systemClock};
