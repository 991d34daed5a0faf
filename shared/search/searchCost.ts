/**
 * What one search read from Table Storage: round trips (pages and point reads) and entities.
 * Reported in `X-Search-Cost` when DICOM_SEARCH_COST_HEADER is on, so tests and benchmarks measure
 * cost instead of guessing it.
 */
export class SearchCost {
  requests = 0;
  entities = 0;

  /** One round trip (a page of a query, or a point read) came back with `entities` entities. */
  read(entities: number): void {
    this.requests += 1;
    this.entities += entities;
  }

  toString(): string {
    return `requests=${this.requests}; entities=${this.entities}`;
  }
}
