import { expect } from "chai";
import { BoundedCache } from "../../../server/service/bounded-cache";

describe("BoundedCache", function () {
  it("holds at most its capacity, forgetting the least recently set entry first", function () {
    const cache = new BoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    cache.set("c", 4);
    expect(cache.get("b"), "b was set least recently").to.equal(undefined);
    expect([cache.get("a"), cache.get("c"), cache.size]).to.deep.equal([3, 4, 2]);
  });

  it("counts entries by their weight, forgetting as many old ones as a heavy one needs", function () {
    const cache = new BoundedCache<string, number[]>(10, (leaves) => leaves.length);
    cache.set("small", [1, 2]);
    cache.set("medium", [1, 2, 3, 4]);
    cache.set("other", [1, 2, 3]);
    expect(cache.weight).to.equal(9);
    cache.set("large", [1, 2, 3, 4, 5, 6, 7]);
    expect(["small", "medium", "other", "large"].map((key) => cache.get(key) !== undefined)).to.deep.equal([
      false,
      false,
      true,
      true,
    ]);
    expect(cache.weight).to.equal(10);
  });

  it("keeps an entry heavier than its whole capacity, alone, until the next one", function () {
    const cache = new BoundedCache<string, number[]>(3, (leaves) => leaves.length);
    cache.set("a", [1]);
    cache.set("huge", [1, 2, 3, 4, 5]);
    expect([cache.get("a"), cache.get("huge")?.length, cache.size]).to.deep.equal([undefined, 5, 1]);
    cache.set("b", [1]);
    expect([cache.get("huge"), cache.get("b")?.length, cache.weight]).to.deep.equal([undefined, 1, 1]);
  });

  it("gives the weight of a replaced or deleted entry back", function () {
    const cache = new BoundedCache<string, number[]>(10, (leaves) => leaves.length);
    cache.set("a", [1, 2, 3]);
    cache.set("a", [1]);
    expect(cache.weight).to.equal(1);
    cache.delete("a");
    cache.delete("never there");
    expect([cache.weight, cache.size]).to.deep.equal([0, 0]);
  });

  it("creates a missing value once, then answers it from the cache", function () {
    const cache = new BoundedCache<string, object>(4);
    let created = 0;
    const create = () => ({ n: ++created });
    const first = cache.getOrCreate("k", create);
    expect(cache.getOrCreate("k", create)).to.equal(first);
    expect(created).to.equal(1);
  });
});
