#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fibdns::testing {

/// A fresh directory under the system's temp folder (mkdtemp), removed with everything in it
/// on destruction. Shared by the storage unit tests and the integration tests.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fibdns-test.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// The path of `name` inside the directory.
  std::string file(const std::string& name) const {
    std::string file = path_;
    file.append("/").append(name);  // not operator+: GCC 12 warns falsely (-Wrestrict)
    return file;
  }

 private:
  std::string path_;
};

}  // namespace fibdns::testing
