// Copyright 2026 the wskemu authors. MIT license.
// Placeholder: filled in by the transport work.
export {};
