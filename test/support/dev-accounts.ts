import { HDNodeWallet, Mnemonic } from "ethers";

/** The well-known development mnemonic that Hardhat node and Anvil both fund by default. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Development account `index` (funded on Hardhat node and Anvil); never holds real value. */
export function devAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}
