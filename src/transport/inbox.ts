/**
 * The receive side of one call, shared by both transports: holds messages that arrive
 * before a listener is set or while the reader is paused, and delivers them in order,
 * followed by the end event (half-close or status) once every message before it is out.
 *
 * Transports hook in through two callbacks: `onConsumed` (a message reached the listener:
 * WebSocket grants credit back to the peer) and `onPausedChange` (the reader paused or
 * resumed: HTTP/2 stops or restarts reading its stream).
 */

/** Callbacks a transport gives an {@link Inbox}. */
export interface InboxHooks {
  /** A message of `bytes` bytes was delivered to the listener. */
  onConsumed?(bytes: number): void;
  /** Delivery was paused (true) or resumed (false) by the reader. */
  onPausedChange?(paused: boolean): void;
}

type Item<L> = { message: Uint8Array; end?: undefined } | { message?: undefined; end: (listener: L) => void };

/** Ordered delivery of messages and one final event to a listener `L`. */
export class Inbox<L extends { onMessage(message: Uint8Array): void }> {
  private listener: L | undefined;
  private readonly queue: Item<L>[] = [];
  private paused = false;
  private delivering = false;
  private ended = false;
  /** Bytes of messages held, not yet delivered. */
  queuedBytes = 0;

  constructor(private readonly hooks: InboxHooks = {}) {}

  /** Sets the listener and delivers what is held (unless paused). */
  listen(listener: L): void {
    this.listener = listener;
    this.drain();
  }

  /** A message arrived from the peer. */
  push(message: Uint8Array): void {
    if (this.ended) return;
    if (this.listener && !this.paused && this.queue.length === 0 && !this.delivering) {
      this.listener.onMessage(message);
      this.hooks.onConsumed?.(message.byteLength);
      return;
    }
    this.queue.push({ message });
    this.queuedBytes += message.byteLength;
    this.drain();
  }

  /**
   * The last event: fires after every message before it (so a paused reader gets it once it
   * resumes). Later pushes are dropped. To end at once (cancel, deadline, lost connection),
   * call {@link clear} first.
   */
  end(fire: (listener: L) => void): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.push({ end: fire });
    this.drain();
  }

  /** True once {@link end} was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** True when nothing is held (no message, no end event). */
  get isEmpty(): boolean {
    return this.queue.length === 0;
  }

  /** True while the reader has paused delivery. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Stops delivering messages. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.hooks.onPausedChange?.(true);
  }

  /** Resumes delivering messages. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.hooks.onPausedChange?.(false);
    this.drain();
  }

  /** Drops every message held (the call failed); an end event already queued still fires. */
  clear(): void {
    const end = this.queue.find((i) => i.end);
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (end) this.queue.push(end);
  }

  private drain(): void {
    if (!this.listener || this.delivering) return;
    this.delivering = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.end) {
          this.queue.shift();
          head.end(this.listener);
          continue;
        }
        if (this.paused) break;
        this.queue.shift();
        this.queuedBytes -= head.message.byteLength;
        this.listener.onMessage(head.message);
        this.hooks.onConsumed?.(head.message.byteLength);
      }
    } finally {
      this.delivering = false;
    }
  }
}
