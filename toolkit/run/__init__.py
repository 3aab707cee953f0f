"""Run: the whole job (job: `shenbao run`), its settings file (settings), the output folder's
lock (outlock), replacing the outputs as one (commit) and what the clerk is told at the end
(outcome).
"""
