// Preloaded with `node --require`: resolves every *.intacct.com host name to loopback, as an /etc/hosts line would.
// The official JS SDK refuses any endpoint whose host is not under intacct.com ("Endpoint URL is not a valid
// intacct.com domain name."), so the simulator is reached as http://sim.intacct.com:<port>/... . Nothing in the
// SDK is changed: only name resolution, exactly like pointing DNS at the simulator.
const dns = require("dns");
const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === "string" && /(^|\.)intacct\.com\.?$/i.test(hostname)) {
    if (typeof options === "function") { callback = options; options = {}; }
    if (options && options.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return original.apply(this, arguments);
};
