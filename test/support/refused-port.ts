import { connect } from "node:net";

// A port on 127.0.0.1 that refuses connections for the whole test file. A port freed by closing a server
// is not one: the system hands it to the next server another test file starts on port 0. Ports below the
// ephemeral range are never handed out that way, so the first of these that refuses now stays refusing.
// None is one of the Fetch standard's blocked ports (1, 7, 9, 11, ...), which fetch refuses on its own.

const CANDIDATES = [4, 5, 6, 8, 10, 12, 14, 16];

const refuses = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });

export async function refusedPort(): Promise<number> {
  for (const port of CANDIDATES) if (await refuses(port)) return port;
  throw new Error(`no port of ${CANDIDATES.join(", ")} on 127.0.0.1 refuses connections`);
}
