"""Parameter checks shared by the estimators and the public functions."""

import cvxpy as cp

__all__ = ["check_cvxpy_solver"]


def check_cvxpy_solver(solver):
    """The solver's name if cvxpy has it installed, else a ``ValueError`` listing those it has.

    Checked before any problem is built: cvxpy reports an unknown solver only when
    it solves, as a ``SolverError`` that is otherwise read as a failed solve.

    Examples
    --------
    >>> check_cvxpy_solver("CLARABEL")
    'CLARABEL'
    """
    installed = cp.installed_solvers()
    if not isinstance(solver, str) or solver.upper() not in installed:
        raise ValueError(f"cvxpy solver {solver!r} is not installed; installed solvers: "
                         f"{sorted(installed)}.")
    return solver.upper()
