#include "billmgr/writeback.h"

namespace pmb {
namespace {

std::string id(long long value) {
    return std::to_string(value);
}

}  // namespace

void Writeback::post(const std::string& func, long long item) {
    host_.call(func, {{"elid", id(item)}, {"sok", "ok"}});
}

void Writeback::set_status(long long item, int service_status) {
    host_.call("service.setstatus",
               {{"elid", id(item)}, {"service_status", std::to_string(service_status)}});
}

void Writeback::set_expiredate(long long item, const std::string& date) {
    host_.call("service.setexpiredate", {{"elid", id(item)}, {"expiredate", date}});
}

void Writeback::save_param(long long item, const std::string& name, const std::string& value) {
    host_.call("service.saveparam",
               {{"elid", id(item)}, {"name", name}, {"value", value}, {"sok", "ok"}});
}

void Writeback::save_secret_param(long long item, const std::string& name,
                                  const std::string& value) {
    host_.call("service.saveparam", {{"elid", id(item)},
                                     {"name", name},
                                     {"value", value, true},
                                     {"crypted", "on"},
                                     {"sok", "ok"}});
}

void Writeback::drop_param(long long item, const std::string& name) {
    host_.call("service.saveparam", {{"elid", id(item)}, {"name", name}, {"sok", "ok"}});
}

void Writeback::save_certificate(long long item, const std::string& crt, bool zip) {
    // Through the environment like a secret: a chain or zip can pass the argv limits, and
    // an upstream answer may carry more than the certificate.
    std::vector<MgrctlArg> args = {{"elid", id(item)}, {"crt", crt, true}};
    if (zip)
        args.push_back({"crt_type", "zip"});
    args.push_back({"sok", "ok"});
    host_.call("certificate.save", args);
}

std::string Writeback::import_service(const std::vector<MgrctlArg>& fields) {
    std::vector<MgrctlArg> args = fields;
    args.push_back({"sok", "ok"});
    XmlDoc answer = host_.call("processing.import.service", args);
    return answer.root().child_text("service_id");
}

void Writeback::save_balance(long long module, const std::string& balance,
                             const std::string& currency, const std::string& notify_time) {
    host_.call("processing.savebalance", {{"processingmodule", id(module)},
                                          {"balance", balance},
                                          {"currency", currency},
                                          {"notify_time", notify_time},
                                          {"sok", "ok"}});
}

void Writeback::save_balance_only(long long module, const std::string& balance) {
    host_.call("processing.savebalance", {{"processingmodule", id(module)}, {"balance", balance}});
}

void Writeback::save_module_param(long long module, const std::string& name,
                                  const std::string& value) {
    host_.call("processing.saveparam", {{"elid", id(module)}, {"param", name}, {"value", value}});
}

void Writeback::save_operation_error(long long operation, const std::string& error_xml) {
    host_.call("runningoperation.edit",
               {{"elid", id(operation)}, {"errorxml", error_xml}, {"sok", "ok"}});
}

void Writeback::set_operation_manual(long long operation) {
    host_.call("runningoperation.setmanual", {{"elid", id(operation)}});
}

std::string Writeback::task_type(const std::string& command) {
    XmlDoc answer = host_.call("task.gettype", {{"operation", command}});
    return answer.root().child_text("task_type");
}

void Writeback::create_task(long long item, long long operation, const std::string& type) {
    host_.call(
        "task.edit",
        {{"item", id(item)}, {"runningoperation", id(operation)}, {"type", type}, {"sok", "ok"}});
}

bool is_unknown_function(const Error& error) {
    if (error.type() != errtype::kMgrctl)
        return false;
    const std::string& panel_type = error.value();
    return panel_type == "missed" || panel_type == "unknown_func" ||
           panel_type == "unknown command" || panel_type == "not_implemented";
}

bool refuses_param(const Error& error, const std::string& name) {
    return error.type() == errtype::kMgrctl && error.message().find(name) != std::string::npos;
}

}  // namespace pmb
