package kube

import "k8s.io/client-go/metadata"

// Metadata returns the client's metadata-only client, for reading the
// labels of objects without their content (such as other tools' release
// records).
func (c *Client) Metadata() metadata.Interface { return c.metadata }
