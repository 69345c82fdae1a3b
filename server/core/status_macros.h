// Early-return helpers for absl::Status in server code.
#ifndef CONVOY_SERVER_CORE_STATUS_MACROS_H_
#define CONVOY_SERVER_CORE_STATUS_MACROS_H_

#define CONVOY_SERVER_RETURN_IF_ERROR(expr)   \
  do {                                        \
    const absl::Status _status = (expr);      \
    if (!_status.ok()) return _status;        \
  } while (0)

#endif  // CONVOY_SERVER_CORE_STATUS_MACROS_H_
