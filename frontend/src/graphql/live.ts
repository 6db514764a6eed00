export type LiveStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

type Listener = () => void;

/** The websocket's state, and a signal when it came back after a drop (events may be lost). */
export class LiveConnection {
  private status: LiveStatus = 'idle';
  private readonly statusListeners = new Set<Listener>();
  private readonly reconnectListeners = new Set<Listener>();

  getStatus = (): LiveStatus => this.status;

  subscribe = (listener: Listener): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  onReconnected(listener: Listener): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  set(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener();
  }

  reconnected(): void {
    for (const listener of this.reconnectListeners) listener();
  }
}
