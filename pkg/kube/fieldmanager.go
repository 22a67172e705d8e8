package kube

// FieldManager is the field manager name berth uses for every server-side
// apply. It is set here, in one place: changing it would make berth lose
// ownership of the fields it applied before.
const FieldManager = "berth"
