import { matchStatement } from "../../worker/domain/payment-matching.ts";
import { generateMatchingData } from "../support/matching-data.ts";
const small = generateMatchingData(1_000, 5_000, 20_270_001);
const large = generateMatchingData(10_000, 50_000, 20_270_002);
const cpu = (f: () => unknown) => { const s = process.cpuUsage(); f(); const u = process.cpuUsage(s); return (u.user + u.system) / 1000; };
const run = (d: typeof small) => matchStatement(d.transactions, d.invoices, d.ibans);
run(small); run(large);
let bs = Infinity, bl = Infinity;
for (let i = 0; i < 9; i++) {
  bs = Math.min(bs, cpu(() => { for (let k = 0; k < 10; k++) run(small); }) / 10);
  bl = Math.min(bl, cpu(() => run(large)));
}
console.log("small", bs.toFixed(2), "large", bl.toFixed(2), "factor", (bl / bs).toFixed(2));
