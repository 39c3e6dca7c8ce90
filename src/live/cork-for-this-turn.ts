import type { Socket } from 'node:net';

const corked = new Set<Socket>();
let uncorkScheduled = false;

/**
 * Holds the socket's writes until the end of this turn of the event loop, so that the frames of
 * a page of events (and of graphql-ws's own messages) reach the kernel in one write per socket
 * rather than one per frame. One timer for all the sockets corked in the turn, not one each.
 */
export function corkForThisTurn(socket: Socket): void {
  if (corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (uncorkScheduled) return;
  uncorkScheduled = true;
  setImmediate(uncorkAll);
}

function uncorkAll(): void {
  uncorkScheduled = false;
  const sockets = [...corked];
  corked.clear();
  for (const socket of sockets) socket.uncork();
}
