#pragma once

// Private to fibdns_storage: helpers that turn SQLiteCpp exceptions into Status values.

#include <exception>
#include <string_view>

#include <SQLiteCpp/Exception.h>

#include "fibdns/common/result.h"

namespace fibdns::storage::detail {

/// A Status with this code and the message "<context>: <e.what()>", e.g.
/// "upsert www.example.com: database is locked".
Status statusFrom(StatusCode code, std::string_view context, const std::exception& e);

/// True for failures of the environment rather than of the data or the SQL: busy, locked, I/O,
/// full disk, read-only, cannot open, out of memory, interrupted.
bool isEnvironmentFailure(const SQLite::Exception& e);

/// True when the schema rejected the data (a CHECK, NOT NULL or key constraint).
bool isConstraintViolation(const SQLite::Exception& e);

}  // namespace fibdns::storage::detail
