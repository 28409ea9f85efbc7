"""Stand-in for ament_index_python.packages: the share folder comes from EDGENEXT_TEST_SHARE."""
import os


class PackageNotFoundError(KeyError):
    pass


def get_package_share_directory(package_name):
    if package_name != 'edgenext':
        raise PackageNotFoundError(package_name)
    return os.environ.get('EDGENEXT_TEST_SHARE', '/opt/ros/humble/share/edgenext')
