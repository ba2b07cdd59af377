export declare const CHROMIUM_PATH: string;
export declare function launchOptions(): { executablePath: string; headless: boolean; args: string[] };
export declare function ensureChromium(): string;
