from otter.test_files import test_case

OK_FORMAT = False

name = "q2_mmd2_unbiased"
points = 2

@test_case(points=None, hidden=False)
def test_my_mmd2_unbiased(my_mmd2_unbiased):
    from gancourse import checks
    checks.mmd2_unbiased(my_mmd2_unbiased)

