#include "fake_host_db.h"

#include <mysql.h>

#include <memory>
#include <stdexcept>
#include <utility>

namespace pmtest {
namespace {

using StmtPtr = std::unique_ptr<MYSQL_STMT, decltype(&mysql_stmt_close)>;

[[noreturn]] void fail_stmt(MYSQL_STMT* stmt, const std::string& sql) {
    throw std::runtime_error("SQL error: " + std::string(mysql_stmt_error(stmt)) + " in: " + sql);
}

std::vector<MYSQL_BIND> bind_params(const std::vector<DbValue>& params,
                                    std::vector<unsigned long>& lengths) {
    std::vector<MYSQL_BIND> binds(params.size());
    lengths.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        MYSQL_BIND& bind = binds[i];
        if (!params[i]) {
            bind.buffer_type = MYSQL_TYPE_NULL;
            continue;
        }
        lengths[i] = params[i]->size();
        bind.buffer_type = MYSQL_TYPE_STRING;
        bind.buffer = const_cast<char*>(params[i]->data());
        bind.buffer_length = lengths[i];
        bind.length = &lengths[i];
    }
    return binds;
}

StmtPtr prepare_and_run(MYSQL* mysql, const std::string& sql, const std::vector<DbValue>& params) {
    StmtPtr stmt(mysql_stmt_init(mysql), &mysql_stmt_close);
    if (!stmt)
        throw std::runtime_error("mysql_stmt_init failed");
    if (mysql_stmt_prepare(stmt.get(), sql.data(), sql.size()))
        fail_stmt(stmt.get(), sql);
    if (mysql_stmt_param_count(stmt.get()) != params.size())
        throw std::runtime_error("placeholder count mismatch in: " + sql);
    std::vector<unsigned long> lengths;
    std::vector<MYSQL_BIND> binds = bind_params(params, lengths);
    if (!binds.empty() && mysql_stmt_bind_param(stmt.get(), binds.data()))
        fail_stmt(stmt.get(), sql);
    if (mysql_stmt_execute(stmt.get()))
        fail_stmt(stmt.get(), sql);
    return stmt;
}

// Fetches column values of any length: first learn the length, then fetch into a sized buffer.
DbRow fetch_current_row(MYSQL_STMT* stmt, const std::vector<unsigned long>& lengths,
                        const std::vector<my_bool>& nulls) {
    DbRow row(lengths.size());
    for (unsigned int i = 0; i < lengths.size(); ++i) {
        if (nulls[i])
            continue;
        std::string value(lengths[i], '\0');
        if (!value.empty()) {
            MYSQL_BIND bind{};
            bind.buffer_type = MYSQL_TYPE_STRING;
            bind.buffer = value.data();
            bind.buffer_length = value.size();
            if (mysql_stmt_fetch_column(stmt, &bind, i, 0))
                fail_stmt(stmt, "fetch column");
        }
        row[i] = std::move(value);
    }
    return row;
}

std::vector<DbRow> fetch_all(MYSQL_STMT* stmt) {
    unsigned int columns = mysql_stmt_field_count(stmt);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns);
    std::vector<MYSQL_BIND> binds(columns);
    for (unsigned int i = 0; i < columns; ++i) {
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].length = &lengths[i];
        binds[i].is_null = &nulls[i];
    }
    if (columns > 0 && mysql_stmt_bind_result(stmt, binds.data()))
        fail_stmt(stmt, "bind result");
    if (mysql_stmt_store_result(stmt))
        fail_stmt(stmt, "store result");
    std::vector<DbRow> rows;
    for (;;) {
        int rc = mysql_stmt_fetch(stmt);
        if (rc == MYSQL_NO_DATA)
            break;
        if (rc != 0 && rc != MYSQL_DATA_TRUNCATED)
            fail_stmt(stmt, "fetch");
        rows.push_back(fetch_current_row(stmt, lengths, nulls));
    }
    return rows;
}

}  // namespace

DbConnection::DbConnection(const DbParams& params) {
    mysql_ = mysql_init(nullptr);
    if (!mysql_)
        throw std::runtime_error("mysql_init failed");
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char* database = params.database.empty() ? nullptr : params.database.c_str();
    if (!mysql_real_connect(mysql_, "localhost", params.user.c_str(), params.password.c_str(),
                            database, 0, params.socket.c_str(), 0)) {
        std::string error = mysql_error(mysql_);
        mysql_close(mysql_);
        mysql_ = nullptr;
        throw std::runtime_error("cannot connect to MariaDB as " + params.user + ": " + error);
    }
}

DbConnection::DbConnection(DbConnection&& other) noexcept {
    *this = std::move(other);
}

DbConnection& DbConnection::operator=(DbConnection&& other) noexcept {
    std::swap(mysql_, other.mysql_);
    return *this;
}

DbConnection::~DbConnection() {
    if (mysql_)
        mysql_close(mysql_);
}

uint64_t DbConnection::execute(const std::string& sql, const std::vector<DbValue>& params) {
    StmtPtr stmt = prepare_and_run(mysql_, sql, params);
    return mysql_stmt_affected_rows(stmt.get());
}

std::vector<DbRow> DbConnection::query(const std::string& sql, const std::vector<DbValue>& params) {
    StmtPtr stmt = prepare_and_run(mysql_, sql, params);
    return fetch_all(stmt.get());
}

DbValue DbConnection::scalar(const std::string& sql, const std::vector<DbValue>& params) {
    std::vector<DbRow> rows = query(sql, params);
    if (rows.empty() || rows.front().empty())
        return std::nullopt;
    return rows.front().front();
}

uint64_t DbConnection::insert(const std::string& sql, const std::vector<DbValue>& params) {
    StmtPtr stmt = prepare_and_run(mysql_, sql, params);
    return mysql_stmt_insert_id(stmt.get());
}

void DbConnection::execute_text(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()))
        throw std::runtime_error("SQL error: " + std::string(mysql_error(mysql_)) + " in: " + sql);
}

std::string DbConnection::escape_string(const std::string& value) {
    std::string out(value.size() * 2 + 1, '\0');
    unsigned long n = mysql_real_escape_string(mysql_, out.data(), value.data(), value.size());
    out.resize(n);
    return out;
}

std::string quote_identifier(const std::string& name) {
    bool plain = !name.empty();
    for (char c : name) {
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        plain = plain && (word || c == '_');
    }
    if (!plain)
        throw std::invalid_argument("unsafe SQL identifier: " + name);
    return "`" + name + "`";
}

}  // namespace pmtest
