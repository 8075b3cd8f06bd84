import { HDNodeWallet, Mnemonic } from "ethers";

import { DEV_MNEMONIC } from "../../server/chain/local-chain";

/** Development account `index` (funded on Hardhat node and Anvil); never holds real value. */
export function devAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}
