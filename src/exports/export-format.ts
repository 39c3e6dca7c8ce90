/** The formats of an export (a leaf: the offline verifier reads it without the GraphQL schema). */
export enum ExportFormat {
  CSV = 'CSV',
  JSON = 'JSON',
  NDJSON = 'NDJSON',
  PDF = 'PDF',
}
