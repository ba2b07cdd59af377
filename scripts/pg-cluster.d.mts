export interface PostgresCluster {
  readonly dir: string;
  readonly port: number;
  url(database?: string): string;
  createDatabase(name?: string): string;
  stopServer(mode?: 'fast' | 'immediate' | 'smart'): void;
  startServer(): Promise<void>;
  restart(mode?: 'fast' | 'immediate' | 'smart'): Promise<void>;
  stop(): Promise<void>;
}
export function postgresBin(): string | undefined;
export function startPostgres(options?: { fsync?: boolean }): Promise<PostgresCluster>;
