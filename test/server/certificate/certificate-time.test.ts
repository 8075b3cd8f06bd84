import { expect } from "chai";
import { isCertificateError } from "../../../server/certificate/certificate-error";
import {
  isTimeZone,
  resolveTimeZone,
  timeInZone,
  utcTime,
  zonedTime,
} from "../../../server/certificate/certificate-time";
import { systemZonedTime } from "./certificate-fixture";

/** Instants around the edges that trip formatters: DST changes, half-hour offsets, a leap day. */
const INSTANTS = [0, 1_710_428_966, 1_711_846_799, 1_711_846_800, 1_709_164_800, 1_729_990_800, 4_102_444_799];
const ZONES = ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"];

describe("certificate-time", function () {
  describe("zonedTime", function () {
    it("agrees with the system's tz database on wall-clock time and offset", function () {
      for (const zone of ZONES) {
        for (const instant of INSTANTS) {
          const { local, offset } = zonedTime(instant, zone);
          expect(`${local} ${offset}`, `${zone} @${instant}`).to.equal(systemZonedTime(instant, zone));
        }
      }
    });
  });

  describe("utcTime and timeInZone", function () {
    it("name the zone with the time", function () {
      expect(utcTime(1_710_428_966)).to.equal(`${systemZonedTime(1_710_428_966, "UTC").slice(0, 19)} UTC`);
      expect(timeInZone(1_710_428_966, "Asia/Kathmandu")).to.equal(
        `${systemZonedTime(1_710_428_966, "Asia/Kathmandu").slice(0, 19)} Asia/Kathmandu (UTC+05:45)`,
      );
    });
  });

  describe("resolveTimeZone", function () {
    it("keeps the name as given rather than ICU's canonical alias", function () {
      expect(resolveTimeZone("Asia/Kathmandu")).to.equal("Asia/Kathmandu");
      expect(resolveTimeZone("America/Argentina/Buenos_Aires")).to.equal("America/Argentina/Buenos_Aires");
    });

    it("restores the usual capitals", function () {
      expect(resolveTimeZone("europe/berlin")).to.equal("Europe/Berlin");
      expect(resolveTimeZone("utc")).to.equal("UTC");
    });

    it("refuses names the time zone data lacks and text that is no IANA name", function () {
      for (const name of ["Europe/Atlantis", "+02:00", "GMT+2 ", "Europe/../Berlin", "x".repeat(65), ""]) {
        expect(isTimeZone(name), name).to.equal(false);
        try {
          resolveTimeZone(name);
          expect.fail(`accepted ${name}`);
        } catch (error) {
          expect(isCertificateError(error, "certificate-time-zone-unknown"), String(error)).to.equal(true);
        }
      }
    });
  });
});
