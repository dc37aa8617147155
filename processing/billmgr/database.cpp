#include "billmgr/database.h"

#include "core/error.h"

namespace pmb {
namespace {

struct StatementCloser {
    void operator()(MYSQL_STMT* st) const { mysql_stmt_close(st); }
};
using Statement = std::unique_ptr<MYSQL_STMT, StatementCloser>;

struct ResultCloser {
    void operator()(MYSQL_RES* res) const { mysql_free_result(res); }
};

[[noreturn]] void fail(MYSQL_STMT* st, const std::string& what) {
    throw Error(errtype::kDb, "database", "",
                "BILLmanager database: " + what + ": " + mysql_stmt_error(st));
}

MYSQL_BIND bind_of(DbParam& param, unsigned long& length) {
    MYSQL_BIND bind{};
    if (auto* number = std::get_if<long long>(&param)) {
        bind.buffer_type = MYSQL_TYPE_LONGLONG;
        bind.buffer = number;
        return bind;
    }
    std::string& text = std::get<std::string>(param);
    length = text.size();
    bind.buffer_type = MYSQL_TYPE_STRING;
    bind.buffer = text.data();
    bind.buffer_length = length;
    bind.length = &length;
    return bind;
}

// params and lengths must outlive the execution: the binds point into them.
void bind_params(MYSQL_STMT* st, std::vector<DbParam>& params,
                 std::vector<unsigned long>& lengths) {
    std::vector<MYSQL_BIND> binds;
    lengths.assign(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i)
        binds.push_back(bind_of(params[i], lengths[i]));
    if (!params.empty() && mysql_stmt_bind_param(st, binds.data()))
        fail(st, "bind");
}

// Columns are fetched as strings of any length: first the lengths, then each column.
std::vector<Row> fetch_rows(MYSQL_STMT* st) {
    std::unique_ptr<MYSQL_RES, ResultCloser> meta(mysql_stmt_result_metadata(st));
    if (!meta)
        return {};
    unsigned n = mysql_num_fields(meta.get());
    MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
    std::vector<MYSQL_BIND> binds(n);
    std::vector<unsigned long> lengths(n);
    std::vector<my_bool> nulls(n);
    for (unsigned i = 0; i < n; ++i) {
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].length = &lengths[i];
        binds[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(st, binds.data()))
        fail(st, "bind result");
    if (mysql_stmt_store_result(st))
        fail(st, "store result");
    std::vector<Row> rows;
    for (int rc; (rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED;) {
        Row row;
        for (unsigned i = 0; i < n; ++i) {
            std::optional<std::string> value;
            if (!nulls[i]) {
                value.emplace(lengths[i], '\0');
                MYSQL_BIND column{};
                column.buffer_type = MYSQL_TYPE_STRING;
                column.buffer = value->data();
                column.buffer_length = lengths[i];
                if (lengths[i] && mysql_stmt_fetch_column(st, &column, i, 0))
                    fail(st, "fetch");
            }
            row[fields[i].name] = std::move(value);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

Database::Database(const DbSettings& s) : db_(mysql_init(nullptr)) {
    if (!db_)
        throw Error(errtype::kDb, "database", "", "cannot initialise the MariaDB client");
    mysql_optionsv(db_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char* host = s.socket.empty() ? s.host.c_str() : nullptr;
    const char* socket = s.socket.empty() ? nullptr : s.socket.c_str();
    if (!mysql_real_connect(db_.get(), host, s.user.c_str(), s.password.c_str(), s.name.c_str(), 0,
                            socket, 0)) {
        std::string where = socket ? s.socket : s.host;
        throw Error(errtype::kDb, "database", s.name,
                    "cannot connect to the BILLmanager database " + s.name + " at " + where + ": " +
                        mysql_error(db_.get()));
    }
}

std::vector<Row> Database::select(const std::string& sql, const std::vector<DbParam>& params) {
    Statement st(mysql_stmt_init(db_.get()));
    if (!st)
        throw Error(errtype::kDb, "database", "", "out of memory");
    if (mysql_stmt_prepare(st.get(), sql.c_str(), sql.size()))
        fail(st.get(), "prepare");
    std::vector<DbParam> bound = params;
    std::vector<unsigned long> lengths;
    bind_params(st.get(), bound, lengths);
    if (mysql_stmt_execute(st.get()))
        fail(st.get(), "query");
    return fetch_rows(st.get());
}

}  // namespace pmb
