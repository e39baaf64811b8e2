import { createRequire as __planwrightRequire } from "node:module"; const require = __planwrightRequire(import.meta.url);
import{i as u,r as p,x as d,y as m,z as o}from"./chunk-2GOA2723.js";var f="planwright",h="planwright";function y(e){return`planwright/${e}`}function $(e){return`.planwright/plans/${e}.yaml`}function b(e){return/^planwright\/([a-z0-9][a-z0-9-]{0,62})$/.exec(e)?.[1]}var v=256;function I(e,n){let r=n!==void 0?` (#${n})`:"",t=e.title.replace(/\s+/g," ").trim(),s=v-6-r.length;return`Plan: ${t.length<=s?t:`${t.slice(0,s-1)}…`}${r}`}function R(e){return[f,`risk:${e}`]}var k=64e3;function L(e,n){let r=m(e,{risk:n.risk,planPath:$(e.id),maxChars:k}),t=[];return n.issue!==void 0&&t.push(`Refs #${n.issue}`),n.commentId!==void 0&&t.push(p(n.commentId)),t.length>0?`${r}

---
${t.join(`
`)}`:r}function A(e,n,r,t){let s=u(t.approvals,r.level),i=e.phases.reduce((l,g)=>l+g.tasks.length,0),a=r.reasons.slice(0,3).map(l=>`- ${d(l,200)}`);return{name:h,headSha:n,status:"completed",conclusion:"action_required",title:"awaiting approval",externalId:e.id,summary:[`Plan \`${e.id}\`: ${i} task${i===1?"":"s"}, risk **${r.level}**.`,...a.length>0?["",...a]:[],"",`Needs ${s} approval${s===1?"":"s"} from people with write access (review → Approve).`].join(`
`)}}function c(e){if(e.length===0)return"";let n=e.slice(0,30).map(t=>t.replace(/`/g,"'")),r=e.length>n.length?[`… and ${e.length-n.length} more lines`]:[];return`

<details><summary>Details</summary>

\`\`\`text
${[...n,...r].join(`
`)}
\`\`\`
</details>`}function q(e,n){return o({planId:e,state:"planning",requestCommentId:n})}function B(e,n,r,t,s){let i=u(s.approvals,t);return o({planId:e.id,state:"awaiting approval",title:e.title,pull:r,approval:`risk ${t}: needs ${i} approval${i===1?"":"s"} on #${r} (review → Approve)`,requestCommentId:n})}function S(e,n){return/Awaiting approval/.test(e)&&e.includes(` · #${n}
`)}function _(e,n,r,t){let[s="",...i]=r.split(`
`);if(e===void 0){let a=n!==void 0?`

${p(n)}`:"";return`### Planwright: ❌ Failed

${d(s,1e3)}

**Next:** \`${t}\`${a}${c(i)}`}return o({planId:e,state:"failed",failure:{reason:s},next:[{command:t,does:"try again"}],...n!==void 0?{requestCommentId:n}:{}})+c(i)}export{h as a,y as b,$ as c,b as d,I as e,R as f,L as g,A as h,q as i,B as j,S as k,_ as l};
