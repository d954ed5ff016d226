from otter.test_files import test_case

OK_FORMAT = False

name = "q3_began_k_update"
points = 2

@test_case(points=None, hidden=False)
def test_my_began_k_update(my_began_k_update):
    from gancourse import checks
    checks.began_k_update(my_began_k_update)

