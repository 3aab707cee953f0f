"""Runtime infrastructure, no stage logic: files written atomically with Chinese explanations of
failures (atomic), work spread over processes (parallel), the cyclic garbage collector paused
for bulk work (collector), a package imported without a submodule we never use (lean).
"""
