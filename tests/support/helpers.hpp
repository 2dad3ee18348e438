#pragma once

// Everything an end-to-end test usually wants, by subject: the product's exit codes, temporary
// folders and files, the relay in process, ferry's commands as processes, a raw relay client,
// and waiting for something observable instead of sleeping.
#include "tests/support/exit_codes.hpp"
#include "tests/support/ferry_commands.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/relay_fixture.hpp"
#include "tests/support/wait.hpp"
