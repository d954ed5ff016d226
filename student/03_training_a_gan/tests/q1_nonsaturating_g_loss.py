from otter.test_files import test_case

OK_FORMAT = False

name = "q1_nonsaturating_g_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_nonsaturating_g_loss(my_nonsaturating_g_loss):
    from gancourse import checks
    checks.nonsaturating_g_loss(my_nonsaturating_g_loss)

