#include "receiver/stdout_sink.hpp"

#include <unistd.h>

namespace ferry::receiver {

stdout_sink::stdout_sink()
    : writer_(std::make_unique<pipe_writer>(STDOUT_FILENO, "standard output")) {}

std::string stdout_sink::commit(std::string_view /*name*/) {
    if (!writer_->finished()) writer_->finish();
    return {};
}

}  // namespace ferry::receiver
