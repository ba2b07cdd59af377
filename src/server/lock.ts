/**
 * A readers-writer lock. Ingests share it; a seal takes it alone, so no receipt
 * is between "received_at chosen" and "committed" while a period is sealed.
 * Waiters are served in arrival order, so a waiting seal holds back later ingests.
 */
export class SealLock {
  private readers = 0;
  private writing = false;
  private readonly waiting: { write: boolean; go: () => void }[] = [];

  shared<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(false, fn);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(true, fn);
  }

  private async run<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.waiting.length > 0 || this.writing || (write && this.readers > 0)) {
      await new Promise<void>((go) => this.waiting.push({ write, go }));
    } else if (write) {
      this.writing = true;
    } else {
      this.readers++;
    }
    try {
      return await fn();
    } finally {
      if (write) this.writing = false;
      else this.readers--;
      this.drain();
    }
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.writing) {
      const next = this.waiting[0]!;
      if (next.write && this.readers > 0) return;
      this.waiting.shift();
      if (next.write) this.writing = true;
      else this.readers++;
      next.go();
    }
  }
}
