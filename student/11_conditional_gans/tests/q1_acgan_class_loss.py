from otter.test_files import test_case

OK_FORMAT = False

name = "q1_acgan_class_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_acgan_class_loss(my_acgan_class_loss):
    from gancourse import checks
    checks.acgan_class_loss(my_acgan_class_loss)

