import { expect } from "chai";
import { HostPolicy, parseAllowedHosts } from "../../../server/webhook/host-policy";

describe("host-policy", function () {
  describe("parseAllowedHosts", function () {
    it("reads names, *. suffixes, addresses and ranges, lowercased, separated by commas", function () {
      expect(parseAllowedHosts(" Hooks.Example.com, *.bank-a.example ,10.20.0.0/16,[::1],127.0.0.1 ,")).to.deep.equal([
        { kind: "name", name: "hooks.example.com" },
        { kind: "suffix", suffix: ".bank-a.example" },
        { kind: "network", entry: "10.20.0.0/16", address: "10.20.0.0", prefix: 16, family: "ipv4" },
        { kind: "network", entry: "::1", address: "::1", prefix: 128, family: "ipv6" },
        { kind: "network", entry: "127.0.0.1", address: "127.0.0.1", prefix: 32, family: "ipv4" },
      ]);
      expect(parseAllowedHosts("")).to.deep.equal([]);
    });

    for (const bad of ["http://hooks.example.com", "10.0.0.0/33", "fd00::/129", "*", "*.", "bad_host", "-a.example"]) {
      it(`refuses "${bad}", naming it`, function () {
        expect(() => parseAllowedHosts(`hooks.example.com,${bad}`)).to.throw(bad);
      });
    }
  });

  describe("HostPolicy", function () {
    const policy = new HostPolicy(parseAllowedHosts("hooks.example.com,*.bank-a.example,10.20.0.0/16,127.0.0.1"));

    it("allows listed names and names under a listed suffix, not the suffix itself", function () {
      expect(policy.hostRefusal("hooks.example.com")).to.equal(undefined);
      expect(policy.hostRefusal("HOOKS.example.com.")).to.equal(undefined);
      expect(policy.hostRefusal("erp.bank-a.example")).to.equal(undefined);
      expect(policy.hostRefusal("bank-a.example")).to.include("not among the allowed hosts");
      expect(policy.hostRefusal("hooks.example.com.evil.example")).to.include("not among the allowed hosts");
      expect(policy.hostRefusal("localhost")).to.include("not among the allowed hosts");
    });

    it("allows an address in a URL only when it is listed", function () {
      expect(policy.hostRefusal("127.0.0.1")).to.equal(undefined);
      expect(policy.hostRefusal("10.20.3.4")).to.equal(undefined);
      expect(policy.hostRefusal("127.0.0.2")).to.include("not among the allowed addresses");
      expect(policy.hostRefusal("[::1]")).to.include("not among the allowed addresses");
      expect(policy.hostRefusal("93.184.216.34")).to.include("not among the allowed addresses");
    });

    it("lets deliveries connect to public addresses and to listed ones only", function () {
      for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "10.20.255.1", "127.0.0.1"]) {
        expect(policy.addressRefusal(address), address).to.equal(undefined);
      }
      for (const address of [
        "127.0.0.2",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "fd00::1",
        "fe80::1",
        "64:ff9b::a00:1",
        "2002:a00:1::",
      ]) {
        expect(policy.addressRefusal(address), address).to.include("not a public address");
      }
    });

    it("allows nothing when nothing is listed", function () {
      const off = new HostPolicy([]);
      expect(off.enabled).to.equal(false);
      expect(off.hostRefusal("hooks.example.com")).to.include("WEBHOOK_ALLOWED_HOSTS");
    });
  });
});
