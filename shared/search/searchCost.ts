/**
 * What one search read from Table Storage: round trips (pages and point reads) and entities.
 * Reported in `X-Search-Cost` when DICOM_SEARCH_COST_HEADER is on, so tests and benchmarks measure
 * cost instead of guessing it.
 */
export class SearchCost {
  requests = 0;
  entities = 0;

  /** One page of a query came back with `entities` entities. */
  page(entities: number): void {
    this.requests += 1;
    this.entities += entities;
  }

  /** One point read; `found` says whether it returned an entity. */
  pointRead(found: boolean): void {
    this.requests += 1;
    if (found) this.entities += 1;
  }

  toString(): string {
    return `requests=${this.requests}; entities=${this.entities}`;
  }
}
