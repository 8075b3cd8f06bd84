import type { Health, ServiceInfo } from "../api/wire";
import type { ChainCheck } from "../chain/chain-guard";
import { isDocproofError } from "../errors";
import type { StoreProbe } from "./ports";

type Check = Health["checks"]["chain"];

export interface StatusPorts {
  guard: ChainCheck;
  store: StoreProbe;
  /** The facts /api/v1/info answers, fixed for the life of the service. */
  info: ServiceInfo;
}

/** Health and facts of the running service, for operators (/healthz) and clients (/api/v1/info). */
export class ServiceStatus {
  constructor(private readonly ports: StatusPorts) {}

  /** Chain: the node answers. Registry: it is still the chain and registry the service was set up for. Store: writable. */
  async health(): Promise<Health> {
    const identity = await this.ports.guard.checkNow().then(
      () => undefined,
      (error: unknown) => error,
    );
    const unreachable = isDocproofError(identity, "chain-unavailable");
    const chain = check(() => {
      if (unreachable) throw new Error(`Unreachable. ${(identity as Error).message}`);
    });
    const registry = check(() => {
      if (unreachable) throw new Error("Not checked: the chain is unreachable.");
      if (identity !== undefined) throw identity;
    });
    const store = check(() => this.ports.store.checkWritable());
    const healthy = [chain, registry, store].every((c) => c.status === "pass");
    return { status: healthy ? "pass" : "fail", version: this.ports.info.version, checks: { chain, registry, store } };
  }

  info(): ServiceInfo {
    return this.ports.info;
  }
}

function check(probe: () => void): Check {
  try {
    probe();
    return { status: "pass" };
  } catch (error) {
    return { status: "fail", output: (error as Error).message };
  }
}
