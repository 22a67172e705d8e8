// Package helmrecord reads and writes Helm's release records, so that berth
// can import releases Helm 3 or Helm 4 deployed and export them back. berth
// never imports Helm: the format here is read from Helm's storage drivers.
//
// # Records
//
// Helm keeps each revision of a release in its namespace as one object named
// sh.helm.release.v1.<name>.v<version> (RecordName): a Secret of type
// helm.sh/release.v1 (the default driver) or a ConfigMap. Its labels are
// name, owner=helm, status and version, with createdAt or modifiedAt (Unix
// seconds) and the user's labels (helm install --labels). Its data key
// "release" holds the release as JSON, gzipped, then base64-encoded as text
// (for a Secret that text is the Secret's data value, so the API shows it
// base64-encoded twice). Records written before Helm compressed them are
// plain base64 of JSON; Decode reads both.
//
// # Whole records
//
// Release keeps every JSON field Helm wrote, the ones berth does not know
// included (the chart's templates and files, output log policies, the
// deployed resources, fields of Helm versions to come): Encode writes them
// back as they were, with the known fields berth may have changed.
package helmrecord
