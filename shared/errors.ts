/**
 * The typed errors of the service. Each carries its HTTP status; `shared/http/errorResponse.ts`
 * is the one place that turns them into responses. Messages are safe to show to clients.
 */
export abstract class DicomWebError extends Error {
  abstract readonly status: number;
  /** A stable, machine-readable code, as the Azure DICOM service's error bodies carry. */
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed (bad UID, bad parameter, unreadable multipart framing). */
export class BadRequestError extends DicomWebError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, code = 'BadRequest', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** 404: the resource (study, series, instance, frame, route) does not exist. */
export class NotFoundError extends DicomWebError {
  readonly status = 404;
  readonly code = 'NotFound';
}

/** 406: nothing the client accepts can be produced. */
export class NotAcceptableError extends DicomWebError {
  readonly status = 406;
  readonly code = 'NotAcceptable';
}

/** 409: the request conflicts with the stored state. */
export class ConflictError extends DicomWebError {
  readonly status = 409;
  readonly code = 'Conflict';
}

/** 413: the request body is over the configured limit. */
export class PayloadTooLargeError extends DicomWebError {
  readonly status = 413;
  readonly code = 'PayloadTooLarge';
}

/** 415: the request's Content-Type is not one the route reads. */
export class UnsupportedMediaTypeError extends DicomWebError {
  readonly status = 415;
  readonly code = 'UnsupportedMediaType';
}

/** 503: a dependency (storage) is unavailable or throttling; the client may retry. */
export class ServiceUnavailableError extends DicomWebError {
  readonly status = 503;
  readonly code = 'ServiceUnavailable';
}

/**
 * The request body ended early or its framing broke while it was being read (client went away,
 * truncated multipart). Answered as 400 if a response can still be sent.
 */
export class RequestAbortedError extends BadRequestError {
  constructor(message = 'The request body ended before it was complete.', options?: ErrorOptions) {
    super(message, 'RequestAborted', options);
  }
}

/** 405: the route exists, but not with this method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends DicomWebError {
  readonly status = 405;
  readonly code = 'MethodNotAllowed';
  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message);
  }
}

/**
 * A UPS-RS (workitem) failure. The Azure DICOM service answers these with the message as a JSON
 * string literal under application/dicom+json, some with a `Warning: 299` header (the full header
 * value, host included, is carried here).
 */
export class WorkitemError extends DicomWebError {
  readonly code = 'WorkitemFailure';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly warning?: string,
  ) {
    super(message);
  }
}
