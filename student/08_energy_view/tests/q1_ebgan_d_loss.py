from otter.test_files import test_case

OK_FORMAT = False

name = "q1_ebgan_d_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_ebgan_d_loss(my_ebgan_d_loss):
    from gancourse import checks
    checks.ebgan_d_loss(my_ebgan_d_loss)

