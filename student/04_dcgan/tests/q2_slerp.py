from otter.test_files import test_case

OK_FORMAT = False

name = "q2_slerp"
points = 2

@test_case(points=None, hidden=False)
def test_my_slerp(my_slerp):
    from gancourse import checks
    checks.slerp(my_slerp)

