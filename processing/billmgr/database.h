// Read-only access to BILLmanager's MariaDB/MySQL database, through MariaDB Connector/C.
// Every query is a prepared statement with bound parameters.
#pragma once

#include <mysql.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pmb {

struct DbSettings {
    std::string host = "localhost";
    std::string user = "root";
    std::string password;
    std::string name = "billmgr5";
    std::string socket;
    std::string crypt_key = "etc/billmgr.pem";
};

using Row = std::map<std::string, std::optional<std::string>>;
// A value bound to a ? placeholder: ids as numbers, everything else as text.
using DbParam = std::variant<long long, std::string>;

class Database {
public:
    explicit Database(const DbSettings& settings);
    // Runs a SELECT with the parameters bound to its ? placeholders (never spliced into SQL).
    std::vector<Row> select(const std::string& sql, const std::vector<DbParam>& params);

private:
    struct Closer {
        void operator()(MYSQL* db) const { mysql_close(db); }
    };
    std::unique_ptr<MYSQL, Closer> db_;
};

}  // namespace pmb
