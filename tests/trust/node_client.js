// Trust recipe for Node.js: start node with NODE_EXTRA_CA_CERTS=<the PEM the mock serves>.
//
//     NODE_EXTRA_CA_CERTS=CERT_PEM node node_client.js BASE_URL [ADDRESS]
//
// POSTs a SmarterU getUserGroups package to BASE_URL/apiv2/ and prints the answer; exits non-zero
// unless it is a Success. With ADDRESS, BASE_URL's host name is resolved to that address inside
// this process only (a test's stand-in for a DNS or hosts entry), so the TLS check still runs
// against the name in the URL.
const https = require("node:https");
const dns = require("node:dns");

const [base, address] = process.argv.slice(2);
const url = new URL("/apiv2/", base);
const pkg =
  "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>" +
  "<Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
const body = new URLSearchParams({ Package: pkg }).toString();

const lookup = address
  ? (host, options, callback) => {
      if (host !== url.hostname) return dns.lookup(host, options, callback);
      const family = address.includes(":") ? 6 : 4;
      if (options && options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    }
  : undefined;

const request = https.request(
  url,
  {
    method: "POST",
    lookup,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Content-Length": Buffer.byteLength(body),
    },
    timeout: 10000,
  },
  (response) => {
    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk) => (text += chunk));
    response.on("end", () => {
      console.log(text);
      process.exit(text.includes("<Result>Success</Result>") ? 0 : 1);
    });
  },
);
request.on("error", (e) => {
  console.error(`node: ${e.code || ""} ${e.message}`);
  process.exit(2);
});
request.end(body);
