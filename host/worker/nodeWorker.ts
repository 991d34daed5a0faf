import http from 'node:http';
import Module from 'node:module';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  CoreInvocationContext,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  InvocationRequest,
  LogCategory,
  LogLevel,
  ProgrammingModel,
} from './coreTypes';
import { Disposable } from './disposable';
import { expandEntryPoint } from './entryPoint';

/** Where the worker's and the app's log lines go. */
export type WorkerLogger = (entry: WorkerLogEntry) => void;

export interface WorkerLogEntry {
  readonly level: LogLevel;
  readonly category: LogCategory;
  readonly message: string;
  readonly functionName?: string;
  readonly invocationId?: string;
}

export interface RegisteredFunction {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
  /** The entry-point file that registered it, as the worker records `scriptFile`. */
  readonly scriptFile: string | undefined;
}

/** The Functions host version the core module reports; HTTP streaming needs 4.28 or later. */
const HOST_VERSION = '4.1041.200';
const CORE_MODULE = '@azure/functions-core';

let installed = false;

/**
 * What the Node language worker does for the app, in process: it provides the
 * `@azure/functions-core` module through which `@azure/functions` registers functions and its
 * programming model (azure-functions-nodejs-worker src/setupCoreModule.ts), loads the files of
 * package.json `main` (src/startApp.ts), hands the registered metadata to the host once
 * (src/eventHandlers/FunctionsMetadataHandler.ts, which locks registration), and runs each
 * invocation through the programming model's invocation model with the hooks around it
 * (src/eventHandlers/InvocationHandler.ts). One per process: `require` is patched process-wide.
 */
export class NodeWorker {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<string, HookCallback[]>();
  readonly #appHookData: Record<string, unknown> = {};
  readonly #log: WorkerLogger;
  readonly #servers: net.Server[] = [];
  #programmingModel: ProgrammingModel | undefined;
  #indexingLocked = false;
  #currentEntryPoint: string | undefined;

  constructor(log: WorkerLogger) {
    if (installed) throw new Error('A process has one Node worker: the core module is process-wide.');
    installed = true;
    this.#log = log;
    installCoreModule(this.#coreApi());
  }

  /**
   * Loads package.json `main` of the app folder (or `entryPoint`, which tests use to load the
   * build they were compiled with), then runs the appStart hooks.
   */
  async loadApp(appDirectory: string, entryPoint?: string): Promise<string[]> {
    const main = entryPoint ?? (await packageMain(appDirectory));
    const files = expandEntryPoint(appDirectory, main);
    if (files.length === 0) throw new Error(`No file matches the entry point "${main}".`);
    for (const file of files) {
      this.#currentEntryPoint = file;
      try {
        // The worker loads CommonJS entry points with require (worker src/loadScriptFile.ts).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(file);
      } catch (error) {
        throw new Error(`Worker was unable to load entry point "${path.relative(appDirectory, file)}"`, {
          cause: error,
        });
      } finally {
        this.#currentEntryPoint = undefined;
      }
    }
    await this.#runHooks('appStart', { functionAppDirectory: appDirectory });
    return files;
  }

  /** The host's metadata request: every registered function, after which no more may register. */
  indexFunctions(): RegisteredFunction[] {
    this.#indexingLocked = true;
    if (this.#functions.size === 0) {
      throw new Error(
        'The app registered no function. Was @azure/functions used before the core module was installed (test mode)?',
      );
    }
    return [...this.#functions.values()];
  }

  /**
   * The worker init handshake: the programming model adds its capabilities (HttpUri for
   * streaming, for which the library opens its HTTP proxy server). The servers it opens meanwhile
   * are kept, so that shutdown() can close them and they do not keep the process alive.
   */
  async capabilities(): Promise<Record<string, string>> {
    const model = this.#requireModel();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as it was, never called unbound
    const originalListen = net.Server.prototype.listen;
    const opened = this.#servers;
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      if (!opened.includes(this)) opened.push(this);
      return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
    } as typeof originalListen;
    try {
      return (await model.getCapabilities?.({})) ?? {};
    } finally {
      net.Server.prototype.listen = originalListen;
      for (const server of opened) server.unref();
    }
  }

  /** Closes what the programming model opened (the HTTP proxy), as the worker process ending would. */
  async shutdown(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            if (server instanceof http.Server) server.closeAllConnections();
          }),
      ),
    );
  }

  /** One invocation, as the worker runs it; resolves with the programming model's response. */
  async invoke(request: InvocationRequest): Promise<unknown> {
    const registered = this.#functions.get(request.functionId);
    if (!registered) throw new Error(`Function code for '${request.functionId}' is not loaded and cannot be invoked.`);
    const functionName = registered.metadata.name;
    const log = this.#log;
    const coreContext: CoreInvocationContext = {
      invocationId: request.invocationId,
      request,
      metadata: registered.metadata,
      log: (level, category, message) =>
        log({ level, category, message, functionName, invocationId: request.invocationId }),
    };
    const model = await this.#requireModel().getInvocationModel(coreContext);
    const { context, inputs } = await model.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      functionCallback: registered.callback,
      inputs,
    };
    coreContext.state = 'preInvocationHooks';
    await this.#runHooks('preInvocation', pre).finally(() => (coreContext.state = undefined));

    const post = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      inputs: pre.inputs,
      result: null as unknown,
      error: null as unknown,
    };
    coreContext.state = 'invocation';
    try {
      post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    } finally {
      coreContext.state = undefined;
    }
    coreContext.state = 'postInvocationHooks';
    await this.#runHooks('postInvocation', post).finally(() => (coreContext.state = undefined));
    if (post.error instanceof Error) throw post.error;
    return model.getResponse(context, post.result);
  }

  #requireModel(): ProgrammingModel {
    if (!this.#programmingModel) throw new Error('The app set no programming model (is @azure/functions loaded?).');
    return this.#programmingModel;
  }

  async #runHooks(name: string, context: Record<string, unknown>): Promise<void> {
    for (const callback of this.#hooks.get(name) ?? []) await callback(context);
  }

  #coreApi(): object {
    return {
      version: '3.10.1',
      hostVersion: HOST_VERSION,
      registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) => this.#register(metadata, callback),
      registerHook: (name: string, callback: HookCallback) => {
        const hooks = this.#hooks.get(name) ?? [];
        this.#hooks.set(name, [...hooks, callback]);
        return new Disposable(() =>
          this.#hooks.set(
            name,
            (this.#hooks.get(name) ?? []).filter((c) => c !== callback),
          ),
        );
      },
      setProgrammingModel: (model: ProgrammingModel) => {
        this.#programmingModel = model;
      },
      getProgrammingModel: () => this.#programmingModel,
      log: (level: LogLevel, category: LogCategory, message: string) => this.#log({ level, category, message }),
      Disposable,
    };
  }

  #register(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.#indexingLocked) throw new Error('A function can only be registered during app startup.');
    const functionId = metadata.functionId ?? metadata.name;
    if (this.#functions.has(functionId)) {
      throw new Error(`A function with id "${functionId}" has already been registered.`);
    }
    this.#functions.set(functionId, { metadata, callback, scriptFile: this.#currentEntryPoint });
    return new Disposable(() => {
      if (this.#indexingLocked) throw new Error('A function can only be disposed during app startup.');
      this.#functions.delete(functionId);
    });
  }
}

/** package.json `main`: the app's entry point pattern. */
export async function packageMain(appDirectory: string): Promise<string> {
  const packageJson = JSON.parse(await readFile(path.join(appDirectory, 'package.json'), 'utf8')) as { main?: string };
  if (!packageJson.main) throw new Error(`${appDirectory}/package.json names no "main" entry point.`);
  return packageJson.main;
}

/** `require('@azure/functions-core')` answers the worker's API; every other request is untouched. */
function installCoreModule(api: object): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with its module as `this`
  const original = Module.prototype.require;
  const patched = function (this: NodeJS.Module, id: string): unknown {
    return id === CORE_MODULE ? api : original.call(this, id);
  };
  Module.prototype.require = Object.assign(patched, original) as NodeJS.Require;
}
