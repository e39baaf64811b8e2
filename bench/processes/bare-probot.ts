/**
 * A bare Probot app that only acknowledges `issue_comment.created`, on Probot's own server: the
 * baseline of the webhook benchmark. Prints `listening <url>` once it accepts deliveries.
 */
import type { AddressInfo } from "node:net";
import { Probot, Server } from "probot";

const server = new Server({
  Probot: Probot.defaults({
    appId: 1,
    privateKey: "unused",
    secret: process.env["WEBHOOK_SECRET"] ?? "",
    logLevel: "warn",
  }),
  host: "127.0.0.1",
  port: Number(process.env["PORT"]),
});
await server.load((probot) => probot.on("issue_comment.created", async () => undefined));
const http = await server.start();
process.stdout.write(
  `listening http://127.0.0.1:${(http.address() as AddressInfo).port}/api/github/webhooks\n`,
);
