import { createRequire as __planwrightRequire } from "node:module"; const require = __planwrightRequire(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-WQUGFFLS.js";import"./chunk-BXDE2WZ6.js";export{a as child_process,b as crypto,c as fs,d as os,e as path,f as stream,g as util};
