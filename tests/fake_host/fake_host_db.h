// A thin MariaDB Connector/C wrapper for the fake host: prepared statements only for values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

typedef struct st_mysql MYSQL;

namespace pmtest {

struct DbParams {
    std::string socket;
    std::string user;
    std::string password;
    std::string database;  // empty: no default database
};

using DbValue = std::optional<std::string>;  // nullopt is SQL NULL
using DbRow = std::vector<DbValue>;

class DbConnection {
public:
    explicit DbConnection(const DbParams& params);
    DbConnection(DbConnection&& other) noexcept;
    DbConnection& operator=(DbConnection&& other) noexcept;
    DbConnection(const DbConnection&) = delete;
    DbConnection& operator=(const DbConnection&) = delete;
    ~DbConnection();

    // Runs one statement with `params` bound to its '?' placeholders; returns affected rows.
    uint64_t execute(const std::string& sql, const std::vector<DbValue>& params = {});
    // Runs one query with bound params; every column comes back as text (or NULL).
    std::vector<DbRow> query(const std::string& sql, const std::vector<DbValue>& params = {});
    // The first column of the first row; nullopt when there is no row or it is NULL.
    DbValue scalar(const std::string& sql, const std::vector<DbValue>& params = {});
    // Runs an INSERT with bound params; returns the AUTO_INCREMENT id it generated.
    uint64_t insert(const std::string& sql, const std::vector<DbValue>& params);
    // For statements without values (DDL on identifiers we generate ourselves).
    void execute_text(const std::string& sql);
    // For the few statements that take no placeholders (CREATE USER … IDENTIFIED BY '…').
    std::string escape_string(const std::string& value);

private:
    MYSQL* mysql_ = nullptr;
};

// Backquotes an identifier; rejects anything but [A-Za-z0-9_] so no escaping is ever needed.
std::string quote_identifier(const std::string& name);

}  // namespace pmtest
