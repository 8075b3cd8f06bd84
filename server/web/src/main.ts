/** The page's entry: routes between Notarize, Verify, History and Certificate by the URL's fragment. */
import { serviceInfo, type ServiceInfo } from "./api";
import { ApiKeyField } from "./api-key";
import { renderCertificate } from "./certificate";
import { byId } from "./dom";
import { setUpHistory } from "./history";
import { setUpNotarize } from "./notarize";
import { setUpVerify } from "./verify";

const VIEWS = ["notarize", "verify", "history", "certificate"] as const;
type View = (typeof VIEWS)[number];

/** `#verify=<sha256>` and `#certificate=<sha256>` carry a digest; `#notarize`, `#verify` do not. */
function route(): { view: View; sha256?: string } {
  const [name, sha256] = location.hash.slice(1).split("=", 2);
  const view = (VIEWS as readonly string[]).includes(name) ? (name as View) : "notarize";
  return { view, sha256: sha256 || undefined };
}

async function start() {
  let info: ServiceInfo | undefined;
  const apiKey = new ApiKeyField();
  const chainInfo = byId("chain-info");
  const loaded = serviceInfo().then(
    (answer) => {
      info = answer;
      chainInfo.textContent = `Chain ${answer.chainId} · registry ${answer.registry.slice(0, 10)}…`;
      chainInfo.title = `Registry ${answer.registry} on chain ${answer.chainId}; registrar ${answer.registrar}`;
      apiKey.setRequired(answer.apiKeyRequired);
    },
    () => {
      chainInfo.textContent = "The service is not answering.";
    },
  );

  const context = { info: () => info, apiKey };
  setUpNotarize(context);
  const verify = setUpVerify();
  const history = setUpHistory(context);
  void loaded.then(() => verify.offerRpcUrl(info?.publicRpcUrl));

  const show = async () => {
    const { view, sha256 } = route();
    for (const name of VIEWS) byId(`view-${name}`).hidden = name !== view;
    for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
      if (link.dataset.nav === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `Docproof · ${view[0].toUpperCase()}${view.slice(1)}`;
    apiKey.placeIn(byId(`view-${view}`));
    if (view === "verify" && sha256) verify.verifyDigest(sha256);
    if (view === "history") {
      // The cards offer revocation only once the service's registrar is known.
      await loaded;
      if (route().view === "history") history.show();
    } else {
      history.hide();
    }
    if (view === "certificate") {
      await loaded;
      await renderCertificate(byId("certificate"), sha256 ?? "", info);
    }
  };
  window.addEventListener("hashchange", () => void show());
  await show();
}

void start();
