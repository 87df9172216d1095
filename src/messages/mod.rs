//! Protocol messages (RFC 9420 §10-§13): key packages, proposals, commits,
//! Welcome and GroupInfo, extensions and credentials, and the MLSMessage
//! envelope.
