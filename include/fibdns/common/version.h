#pragma once

namespace fibdns {
/// The project version, from CMake's project(VERSION).
const char* version();
}  // namespace fibdns
