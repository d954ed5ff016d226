from otter.test_files import test_case

OK_FORMAT = False

name = "q1_discriminator_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_discriminator_loss(my_discriminator_loss):
    from gancourse import checks
    checks.discriminator_loss(my_discriminator_loss)

