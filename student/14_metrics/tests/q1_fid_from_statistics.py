from otter.test_files import test_case

OK_FORMAT = False

name = "q1_fid_from_statistics"
points = 3

@test_case(points=None, hidden=False)
def test_my_fid_from_statistics(my_fid_from_statistics):
    from gancourse import checks
    checks.fid_from_statistics(my_fid_from_statistics)

