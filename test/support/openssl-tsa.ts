import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "./processes";

/**
 * A throwaway outside TSA made of `openssl ts -reply`: a CA and a TSA certificate (RSA, as most
 * public TSAs use) generated in `directory`, and the openssl configuration that signs with them.
 */
export interface OpensslTsa {
  directory: string;
  caFile: string;
  certFile: string;
  configFile: string;
  policy: string;
  /** Answers one DER TimeStampReq with `openssl ts -reply`, one at a time (openssl keeps a serial file). */
  reply(query: Uint8Array): Promise<Uint8Array>;
}

export function openssl(args: string[], cwd: string): string {
  return execFileSync("openssl", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function createOpensslTsa(directory: string, options: { essCertIdAlg?: "sha1" | "sha256" } = {}): OpensslTsa {
  const policy = "1.2.3.4.1";
  writeFileSync(
    path.join(directory, "tsa-ext.cnf"),
    [
      "basicConstraints = CA:FALSE",
      "keyUsage = critical, digitalSignature, nonRepudiation",
      "extendedKeyUsage = critical, timeStamping",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
    ].join("\n") + "\n",
  );
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "outside-ca.key",
      "-out",
      "outside-ca.pem",
      "-days",
      "2",
      "-subj",
      "/O=Outside Test/CN=Outside Test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    directory,
  );
  openssl(
    [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "outside-tsa.key",
      "-out",
      "outside-tsa.csr",
      "-subj",
      "/O=Outside Test/CN=Outside Test TSA",
    ],
    directory,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "outside-tsa.csr",
      "-CA",
      "outside-ca.pem",
      "-CAkey",
      "outside-ca.key",
      "-set_serial",
      "4242",
      "-days",
      "1",
      "-extfile",
      "tsa-ext.cnf",
      "-out",
      "outside-tsa.pem",
    ],
    directory,
  );
  writeFileSync(path.join(directory, "outside-tsa.serial"), "01\n");
  const configFile = path.join(directory, "outside-tsa.cnf");
  writeFileSync(
    configFile,
    [
      "[ tsa ]",
      "default_tsa = outside_tsa",
      "[ outside_tsa ]",
      `dir = ${directory}`,
      "serial = $dir/outside-tsa.serial",
      "crypto_device = builtin",
      "signer_cert = $dir/outside-tsa.pem",
      "certs = $dir/outside-ca.pem",
      "signer_key = $dir/outside-tsa.key",
      "signer_digest = sha256",
      `default_policy = ${policy}`,
      "digests = sha256, sha384, sha512",
      "accuracy = secs:1, millisecs:500, microsecs:100",
      "ordering = yes",
      "tsa_name = yes",
      "ess_cert_id_chain = no",
      `ess_cert_id_alg = ${options.essCertIdAlg ?? "sha256"}`,
    ].join("\n") + "\n",
  );

  let queue: Promise<unknown> = Promise.resolve();
  let count = 0;
  const reply = (query: Uint8Array): Promise<Uint8Array> => {
    const next = queue.then(async () => {
      const n = ++count;
      const queryFile = path.join(directory, `query-${n}.tsq`);
      const replyFile = path.join(directory, `reply-${n}.tsr`);
      writeFileSync(queryFile, query);
      const result = await run("openssl", [
        "ts",
        "-reply",
        "-config",
        configFile,
        "-queryfile",
        queryFile,
        "-out",
        replyFile,
      ]);
      if (result.code !== 0) throw new Error(`openssl ts -reply failed:\n${result.output}`);
      return new Uint8Array(readFileSync(replyFile));
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    directory,
    caFile: path.join(directory, "outside-ca.pem"),
    certFile: path.join(directory, "outside-tsa.pem"),
    configFile,
    policy,
    reply,
  };
}
