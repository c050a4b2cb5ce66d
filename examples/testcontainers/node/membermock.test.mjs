// Testcontainers for Node.js, with node:test (Jest and Vitest take the same before/after hooks).
//
//     npm install && MEMBERMOCK_IMAGE=membermock npm test
//
// testcontainers 10 runs on Node 20; later majors need a newer Node.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { GenericContainer, Wait } from "testcontainers";

let container, http, https, ca;

before(async () => {
  container = await new GenericContainer(process.env.MEMBERMOCK_IMAGE ?? "membermock")
    .withExposedPorts(8080, 8443)
    .withWaitStrategy(Wait.forHealthCheck())
    .start();
  http = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
  https = `https://${container.getHost()}:${container.getMappedPort(8443)}`;
  ca = await (await fetch(`${http}/_mock/tls/cert.pem`)).text();
});

after(async () => {
  await container?.stop();
});

test("health", async () => {
  const health = await (await fetch(`${http}/_mock/health`)).json();
  assert.equal(health.status, "ok");
});

test("SmarterU over HTTPS, trusting the served certificate", async () => {
  const pkg =
    "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>" +
    "<Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
  const body = new URLSearchParams({ Package: pkg }).toString();
  // fetch() cannot take a CA per call; node:https can (or start node with NODE_EXTRA_CA_CERTS).
  const text = await new Promise((resolve, reject) => {
    const req = request(
      `${https}/apiv2/`,
      { method: "POST", ca, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      (res) => {
        let data = "";
        res.on("data", (chunk) => (data += chunk));
        res.on("end", () => resolve(data));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
  assert.match(text, /<Result>Success<\/Result>/);
});
