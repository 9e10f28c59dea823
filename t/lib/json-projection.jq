# The parts of minidump-stackwalk JSON that must agree with the reference:
# every frame's trust, module, offsets, function, file and line; modules;
# crash_info's type, address and thread; system_info.
{
  system_info: .system_info,
  crash_info: (.crash_info | {type, address, crashing_thread}),
  threads: [.threads[] | [.frames[] | {frame, trust, "module": .module, module_offset, offset,
                                       function, function_offset, file, line, missing_symbols}]],
  crashing_thread: (.crashing_thread | {threads_index, thread_id, frames: [.frames[] | {frame, trust, "module": .module, offset}]}),
  modules: [.modules[] | {base_addr, end_addr, filename, code_id, debug_file, debug_id,
                          version, loaded_symbols, missing_symbols}],
  main_module: .main_module,
  thread_count: .thread_count,
  pid: .pid
}
